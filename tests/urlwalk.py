"""Every URL pattern the resolver knows, with its declared gate."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from acquirer.access import gate_of


@dataclass(frozen=True)
class Route:
    name: str | None
    namespace: str | None
    pattern: str
    callback: object

    @property
    def full_name(self) -> str | None:
        if not self.name:
            return None
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def gate(self) -> str | None:
        return gate_of(self.name, self.namespace, self.callback)

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None)


def walk(resolver=None, prefix: str = "", namespace: str | None = None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(entry, prefix + str(entry.pattern), child_ns)
        elif isinstance(entry, URLPattern):
            yield Route(entry.name, namespace, prefix + str(entry.pattern), entry.callback)
