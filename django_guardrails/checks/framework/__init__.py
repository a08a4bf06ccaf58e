"""The check framework: the engine around every check (scope, crash containment, inline
ignores, baseline), the IDs, the messages and their formats."""
