"""Klantenservice: the customer-service platform for financial institutions."""

__version__ = "0.1.0"
