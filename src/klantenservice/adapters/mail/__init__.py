"""Outgoing e-mail adapters (``services/mail.Mailer``): SMTP in ``smtp.py``."""
