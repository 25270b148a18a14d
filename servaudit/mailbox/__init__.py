"""The auditor's mailbox: where replies arrive. Readers for Maildir and IMAP."""
