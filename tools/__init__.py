"""Project tools that are run on demand, not shipped with the package."""
