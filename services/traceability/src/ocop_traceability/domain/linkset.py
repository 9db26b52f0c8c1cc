"""Linksets (RFC 9264) as the GS1-Conformant Resolver standard shapes them, and the resolver's description
document (``/.well-known/gs1resolver``), pure.

A linkset is ``{"linkset": [context object, ...]}``, one context object per level of the identified item
that we know (the most specific first): its ``anchor`` (the uncompressed Digital Link URI of that level),
``itemDescription``, exactly one ``https://gs1.org/voc/defaultLink`` (a title and nothing else) and the typed
links, keyed by the link type's full URI, each ``{href, title, type, hreflang: [...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocop_traceability.domain.digital_link import DEFAULT_LINK, GS1_VOC

JSON_LD_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
LINKSET_MEDIA_TYPE = "application/linkset+json"


@dataclass(frozen=True)
class Link:
    rel: str  # the link type's full URI, e.g. https://gs1.org/voc/pip
    href: str
    title: str
    type: str | None = None
    hreflang: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"href": self.href, "title": self.title}
        if self.type:
            out["type"] = self.type
        if self.hreflang:
            out["hreflang"] = list(self.hreflang)
        return out


@dataclass(frozen=True)
class Item:
    """One context object: a level of the identified item with its links (the default link among them)."""

    anchor: str
    description: str
    default: Link
    links: tuple[Link, ...] = field(default_factory=tuple)

    def of_type(self, rel: str) -> list[Link]:
        if rel == DEFAULT_LINK:
            return [self.default]
        return [link for link in self.links if link.rel == rel]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "anchor": self.anchor,
            "itemDescription": self.description,
            DEFAULT_LINK: [{"href": self.default.href, "title": self.default.title}],
        }
        for link in self.links:
            out.setdefault(link.rel, []).append(link.as_json())
        return out


def linkset(items: list[Item]) -> dict[str, Any]:
    return {"linkset": [item.as_json() for item in items]}


def choose(items: list[Item], rel: str, lang: str) -> Link | list[Link] | None:
    """The link a ``?linkType=`` request redirects to: of the most specific level that has links of that
    type, the one in the caller's language if the type has several; several left → all of them (the
    caller answers 300 Multiple Choices); none at any level → None (404)."""
    for item in items:
        links = item.of_type(rel)
        if not links:
            continue
        if len(links) > 1:
            links = [link for link in links if lang in link.hreflang or not link.hreflang] or links
        return links[0] if len(links) == 1 else links
    return None


def link_header(linkset_url: str, *, json_ld: bool = False, same_as: str | None = None) -> str:
    """The ``Link`` header of resolver answers: where the linkset is (always), the JSON-LD context (on a
    linkset), the uncompressed URI (on a request that came compressed)."""
    parts = [f'<{linkset_url}>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}"']
    if json_ld:
        parts.append(f'<{JSON_LD_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"')
    if same_as:
        parts.append(f'<{same_as}>; rel="owl:sameAs"')
    return ", ".join(parts)


def resolver_description(root: str, name: str) -> dict[str, Any]:
    """The ``/.well-known/gs1resolver`` document (GS1-Conformant Resolver standard, description file)."""
    return {
        "name": name,
        "resolverRoot": root,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": JSON_LD_CONTEXT,
        "supportedContextValuesEnumerated": [],
    }
