"""Classification of the models of other packages (Django, allauth, axes): see registry.py.

None of them is about clients: they hold the freelancer's own account, log-in and session
data, which the account's own deletion covers. The admin's change log names objects by their
``str()``, so a client's name lands there when the operator edits the client in the admin:
erasure removes those entries.
"""

OTHER_APPS = {
    "admin": {
        "LogEntry": {"object_id": "erased", "object_repr": "erased", "change_message": "erased"}
    },
    "auth": {
        "Group": {"name": "not personal"},
        "Permission": {"name": "not personal", "codename": "not personal"},
    },
    "contenttypes": {"ContentType": {"app_label": "not personal", "model": "not personal"}},
    "sessions": {"Session": {"session_key": "not personal", "session_data": "not personal"}},
    "account": {
        "EmailAddress": {"email": "not personal"},
        "EmailConfirmation": {"key": "not personal"},
    },
    "mfa": {"Authenticator": {"data": "not personal"}},
    "usersessions": {
        "UserSession": {
            "ip": "not personal",
            "session_key": "not personal",
            "user_agent": "not personal",
            "data": "not personal",
        }
    },
    "axes": {
        "AccessAttempt": {
            "user_agent": "not personal",
            "ip_address": "not personal",
            "username": "not personal",
            "http_accept": "not personal",
            "path_info": "not personal",
            "get_data": "not personal",
            "post_data": "not personal",
        },
        "AccessLog": {
            "user_agent": "not personal",
            "ip_address": "not personal",
            "username": "not personal",
            "http_accept": "not personal",
            "path_info": "not personal",
            "session_hash": "not personal",
        },
        "AccessFailureLog": {
            "user_agent": "not personal",
            "ip_address": "not personal",
            "username": "not personal",
            "http_accept": "not personal",
            "path_info": "not personal",
        },
        "AccessAttemptExpiration": {},
    },
}
