"""From stored values to verdicts: aggregation, måluppfyllelse and utveckling, masking, the scorecard and the view tables."""
