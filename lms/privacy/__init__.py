"""A person's rights over their data (UU PDP 27/2022): a copy of everything, consent, deletion."""
