"""Twilio Voice webhooks: IVR, queue, call-backs, call records (docs/subsystems/phone-ivr.md)."""
