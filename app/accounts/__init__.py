"""Staff accounts: invitations, one-time links, password rules, two-factor sign-in, mail.

No request code lives here: views pass in who is acting (``app.content.audit.Actor``) and what
was submitted, these modules apply the rules, write the audit log and leave committing to the
caller.
"""
