"""Offtake ranking in the backend: the model registry, training and scoring jobs, stored scores."""
