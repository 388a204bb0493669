"""Database sessions that record their user, so all of a user's sessions can be ended at once."""

from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from acquirer.models import Session

        return Session

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        user_id = data.get("_auth_user_id")
        obj.user_id = int(user_id) if user_id else None
        return obj
