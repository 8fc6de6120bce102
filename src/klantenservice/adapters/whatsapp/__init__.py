"""WhatsApp Business Cloud API: webhook signature and payloads, and the sending client."""
