"""Everything the pre-qualification form reads from data/: the rules, the municipalities, the sectors,
the name rules, and the words of the loan-terms answers (their figures are the products' terms)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.loan_terms.texts import TEXTS_FILE, LoanTermsTexts, load_loan_terms_texts
from bot.prequal.municipalities import MunicipalityRegistry, load_municipalities
from bot.prequal.names import NAMES_FILE, NameRules, load_name_rules
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
    names: NameRules
    loan_terms: LoanTermsTexts


def load_prequal_data(data_dir: Path) -> PrequalData:
    """Load and validate the files together (products name sectors; rules read the CSV; the loan-terms
    texts name a default product)."""
    municipalities = data_dir / MUNICIPALITIES_FILE
    sectors = data_dir / SECTORS_FILE
    rules = load_prequal_rules(data_dir / RULES_FILE, municipalities, sectors)
    return PrequalData(
        rules=rules,
        municipalities=load_municipalities(municipalities),
        sectors=load_sectors(sectors),
        names=load_name_rules(data_dir / NAMES_FILE),
        loan_terms=load_loan_terms_texts(data_dir / TEXTS_FILE, frozenset(p.id for p in rules.products)),
    )
