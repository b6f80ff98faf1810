"""`fdpctl config USERNAME`: fdp users, their data stores and registry accounts."""

from fdpd.features.users.configure import UserConfigured, UserSetup, configure_user

__all__ = ["UserConfigured", "UserSetup", "configure_user"]
