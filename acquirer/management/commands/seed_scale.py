"""Load the scale data set (docs: bench/README.md): ``python manage.py seed_scale --scale 0.1`` or explicit counts,
``--merchants 100000 --terminals 1000000``. Adds to what is there; run it on an empty or demo database."""

from django.core.management.base import BaseCommand

from acquirer import scale


class Command(BaseCommand):
    help = "Load merchants, terminals, tickets, work orders and audit events at a national acquirer's size."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1)")
        for name in scale.FULL:
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, dest=name, default=None)

    def handle(self, *args, **options):
        plan = scale.plan_for(options["scale"], **{name: options[name] for name in scale.FULL})
        self.stdout.write("plan: " + ", ".join(f"{name} {count}" for name, count in plan.items()))
        scale.seed(plan, log=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS("scale data loaded"))
