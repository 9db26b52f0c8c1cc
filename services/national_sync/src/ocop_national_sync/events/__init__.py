"""FastStream subscribers: thin, they call app/."""
