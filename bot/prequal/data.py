"""Everything the pre-qualification form reads from data/: the rules, the municipalities, the sectors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.prequal.municipalities import MunicipalityRegistry, load_municipalities
from bot.prequal.rules_data import PrequalRules, load_prequal_rules
from bot.prequal.sectors import SectorCatalogue, load_sectors

RULES_FILE = "prequal_rules.yml"
MUNICIPALITIES_FILE = "municipalities.csv"
SECTORS_FILE = "sectors.yml"


@dataclass(frozen=True)
class PrequalData:
    rules: PrequalRules
    municipalities: MunicipalityRegistry
    sectors: SectorCatalogue


def load_prequal_data(data_dir: Path) -> PrequalData:
    """Load and validate the three files together (products name sectors; rules read the CSV)."""
    municipalities = data_dir / MUNICIPALITIES_FILE
    sectors = data_dir / SECTORS_FILE
    return PrequalData(
        rules=load_prequal_rules(data_dir / RULES_FILE, municipalities, sectors),
        municipalities=load_municipalities(municipalities),
        sectors=load_sectors(sectors),
    )
