"""The neural sequencer: descriptor databases, predictors, nearest-frame query, playback."""
