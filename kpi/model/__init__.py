"""The domain's vocabulary: catalogue, periods, organisation, settings, verdicts, number formats, errors and the view."""
