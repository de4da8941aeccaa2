"""Demo data of every app (`manage.py ocop_demo`), built through the apps' models and services.
It sits on top: nothing imports it."""
