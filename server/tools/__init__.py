"""Tools the agent offers the model: shell execution, apply_patch, plans, user input, images."""
