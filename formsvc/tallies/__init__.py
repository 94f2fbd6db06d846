"""Tallies: per site, township and district, for any period; screen, PDF, Excel and CSV."""
