"""Payment gateways behind one interface (`payments.base.PaymentProvider`)."""
