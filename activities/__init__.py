"""Side effects of the workflows, one module per capability."""
