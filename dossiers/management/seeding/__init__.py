"""The data `manage.py seed_bench` makes: citizens (people), the life of each dossier played
like the services play it (lives), the day-by-day generator (generator), and the fast
writing of its rows (writing). Benchmark data only, never production."""
