"""FastAPI backend: participant (bot-facing), organiser and partner routes; selection and scoring."""
