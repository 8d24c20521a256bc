"""What the bot does, with no platform in sight (adapters in bot/ turn events into `Event`s and render
`Reply`s). A feature never imports another feature: what two features share lives in core/ (the
machinery), content/ (what the bot says), schedule/ (recurring times), replies.py (reply pieces several
features show) and study_time.py (study time, however it is logged).

Features: general (/start, /help), faq (/faq, /ask, free text), roadmap (/roadmap, /step, step states,
a step's resources ticked), study (/log, /unlog, /progress), practice/ (/review, /quiz, the review nudge
and a group's quiz of the day: a package, one module per part), notes (/note, /notes, /unnote), plan
(/next, and "what should I do next?"), goals (/goal), focus (/focus), reminders (/remind and its
buttons), preferences (/lang, /timezone), privacy (/export, /forget), admin (/reload, /gaps). Adding a
command is one handler in its feature (declared with `@router.command`), its strings in content/ui, and
its test.
"""
