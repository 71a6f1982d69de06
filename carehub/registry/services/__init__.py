"""Registry business rules. Views, the API, the importer and the demo loader all call these."""
