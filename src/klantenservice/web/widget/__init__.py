"""The customer chat widget: embed script, the chat page in an iframe, its WebSocket, and the
demo bank page that embeds it (docs/subsystems/chat.md)."""
