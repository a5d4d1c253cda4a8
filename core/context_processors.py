from core.navigation import menu_for


def navigation(request):
    """The main menu for the logged-in user (empty on the login page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"menu": menu_for(user)}
