"""Mail: owners and supporters hear from the campaign, through an outbox and a real mail server.

    events        the domain's one-line hooks (moderation, judging, preparation, release, …)
    outbox        rows written with the event; claimed and recorded by conditional UPDATEs
    dispatch      the mail worker's loop: opt-outs, the per-recipient cap, retries
    messages      the catalogue of kinds, and rendering (templates/<kind>/, signed links)
    senders       SMTP (smtplib) and the development mailbox; mailbox reads it back
    account_mail  address verification and password reset for owners
    updates       owners' updates to supporters, mailed as a daily digest
    preflight     checks armed pledges' connections before T and asks for reconnection

Nothing here imports Celery: `workers/mail_tasks.py` is the thin face.
"""
