"""The booking page speaks of e-mail in Russian the way its form label does («Эл. почта»),
so a client who is asked for an address finds the field it names."""

from __future__ import annotations

from web.texts import page_texts


def test_russian_page_texts_name_the_email_as_the_label_does() -> None:
    russian = page_texts()["ru"]
    assert russian["email"] == "Эл. почта"
    assert russian["err_no_contact"] == "Укажите адрес эл. почты: сообщение придёт на него."
    latin = [key for key, text in russian.items() if "e-mail" in text.lower()]
    assert latin == [], latin
    assert page_texts()["en"]["err_no_contact"] == "Enter your e-mail: the message comes there."
