"""View helpers every app uses."""


def public(view):
    """Marks a view as open to anyone, so the URL audit test knows it was meant to be."""
    view.allowed_roles = "public"
    return view
