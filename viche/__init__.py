"""viche: public consultations inside Telegram."""
