"""Demo salespeople and teams."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salespeople.models import Salesperson, Team, TeamMember

SALESPEOPLE = [
    ("AH", "Annette Hill", "annette.hill@example.com", "+31 20 555 0101", 5),
    ("BC", "Benjamin Chiu", "benjamin.chiu@example.com", "+31 20 555 0102", 4),
    ("JO", "Jim Olive", "jim.olive@example.com", "+31 20 555 0103", 3.5),
    ("LT", "Linda Terpstra", "linda.terpstra@example.com", "+31 20 555 0104", 4),
    ("PS", "Peter Saddow", "peter.saddow@example.com", "+31 20 555 0105", 2.5),
    ("RB", "Ruud Bakker", "ruud.bakker@example.com", "+31 20 555 0106", 0),
]
TEAMS = {
    "FAIR": (_("Trade fair team"), ["AH", "JO", "LT"]),
    "PHONE": (_("Telemarketing"), ["BC", "PS"]),
}


def load(stdout=None):
    for code, name, email, phone, commission in SALESPEOPLE:
        Salesperson.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "email": email,
                "phone": phone,
                "commission_percent": commission,
                "blocked": code == "RB",
            },
        )
    # The "sales" role login is salesperson JO, so My tasks shows something later.
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="sales", defaults={"first_name": "Jim", "last_name": "Olive"}
    )
    Salesperson.objects.filter(code="JO").update(user=user)
    # The printed demo login (manage.py demo) is salesperson BC, so its My tasks is not
    # empty either.
    demo, _ = User.objects.get_or_create(
        username="demo", defaults={"first_name": "Demo", "last_name": "User"}
    )
    Salesperson.objects.filter(code="BC", user__isnull=True).update(user=demo)
    for code, (name, members) in TEAMS.items():
        team, _ = Team.objects.update_or_create(code=code, defaults={"name": str(name)})
        for member in members:
            TeamMember.objects.get_or_create(
                team=team, salesperson=Salesperson.objects.get(code=member)
            )
    if stdout:
        stdout.write(f"{len(SALESPEOPLE)} salespeople, {len(TEAMS)} teams")
