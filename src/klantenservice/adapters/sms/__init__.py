"""SMS through Twilio: the REST client pointed at a configurable base URL."""
