"""The registry of channel exports: one `SourceSpec` per source (see docs/sources.md)."""

from __future__ import annotations

from orchestration.loaders.sources.ads import SPEC as ADS
from orchestration.loaders.sources.crm import SPEC as CRM
from orchestration.loaders.sources.email import SPEC as EMAIL
from orchestration.loaders.sources.loyalty import SPEC as LOYALTY
from orchestration.loaders.sources.pos import SPEC as POS
from orchestration.loaders.sources.service import SPEC as SERVICE
from orchestration.loaders.sources.shop import SPEC as SHOP
from orchestration.loaders.sources.web import SPEC as WEB
from orchestration.loaders.spec import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    spec.source: spec for spec in (WEB, SHOP, POS, CRM, EMAIL, ADS, SERVICE, LOYALTY)
}

__all__ = ["SOURCES"]
