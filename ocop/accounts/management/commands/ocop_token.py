"""manage.py ocop_token: API tokens for machine clients.

manage.py ocop_token <username> [--name NAME]   create a token and print its key (shown only once)
manage.py ocop_token <username> --list          list a user's tokens (prefix, name, dates, state)
manage.py ocop_token [<username>] --revoke PREFIX   revoke the token whose key starts with PREFIX
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.auth import TokenError, issue_token, revoke_token
from ocop.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create (and print once), list or revoke API bearer tokens."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="The account the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the client's name.")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the token with this prefix (or key).")
        parser.add_argument("--list", action="store_true", dest="list_tokens", help="List the user's tokens.")

    def handle(self, *args, username=None, name="", revoke=None, list_tokens=False, **options):
        try:
            if revoke:
                token = revoke_token(revoke, username=username)
                self.stdout.write(
                    _("Revoked token %(prefix)s… of %(user)s.")
                    % {"prefix": token.prefix, "user": token.user.username}
                )
                return
            if not username:
                raise CommandError(_("Give a user name (or --revoke PREFIX)."))
            if list_tokens:
                self._list(username)
                return
            token, key = issue_token(username, name=name)
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            _("Token %(prefix)s… created for %(user)s. Store the key now; it is not shown again.")
            % {"prefix": token.prefix, "user": token.user.username}
        )
        self.stdout.write(key)

    def _list(self, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user is named “%(user)s”.") % {"user": username})
        tokens = ApiToken.objects.filter(user=user).order_by("created_at")
        if not tokens:
            self.stdout.write(_("%(user)s has no tokens.") % {"user": username})
        for token in tokens:
            used = (
                timezone.localtime(token.last_used_at).strftime("%d/%m/%Y %H:%M")
                if token.last_used_at
                else _("never")
            )
            state = _("revoked") if token.revoked else _("live")
            created = timezone.localtime(token.created_at).strftime("%d/%m/%Y")
            self.stdout.write(
                _("%(prefix)s  %(state)s  created %(created)s  last used %(used)s  %(name)s")
                % {
                    "prefix": token.prefix,
                    "state": state,
                    "created": created,
                    "used": used,
                    "name": token.name,
                }
            )
