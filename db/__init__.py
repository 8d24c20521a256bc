"""Storage: the models, the engine, and one small store module per kind of data.

models.py (the tables, each declaring whose data it holds), personal_data.py (those declarations),
users.py, progress.py, study_logs.py, faq_stats.py, faq_feedback.py, practice.py (cards, reviews, quiz
answers, sessions), reminders.py (reminders, deliveries, chat state),
events.py (updates already handled), privacy.py (/export and /forget, derived from the declarations),
sql.py (the dialect's INSERT, statements built once), engine.py, migrate.py and migrations/.
Every store function takes an AsyncSession; the caller owns the transaction. db imports neither bot
nor handlers.
"""
