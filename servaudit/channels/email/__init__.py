"""The e-mail channel: an inquiry sent through the persona's SMTP relay."""
