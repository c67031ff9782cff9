"""Signal or noise: control charts (SPC), funnel plots, year-end forecasts and what the views ask of them."""
