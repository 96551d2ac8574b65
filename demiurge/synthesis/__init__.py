"""Generation of the RAW GENERATED AUDIO DB: UNAGAN noise -> mel -> vocoder -> wav files
(:func:`demiurge.synthesis.generate.generate`)."""
