"""Perspektivet Verksamhet: strategiskt mål, måluppfyllelse och rapportens tabell."""

from ui.filters import current
from ui.perspective import render_perspective

render_perspective("Verksamhet", current())
