"""Every text people read, in their language: gettext catalogs (`locales/`) and formats."""
