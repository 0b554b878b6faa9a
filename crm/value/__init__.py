"""Customer value (RFM segments), care occasions, offers and personal-information rights."""
