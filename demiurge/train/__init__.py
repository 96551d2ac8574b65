"""Training: run directories, checkpoints, logging, and one training step per model."""
