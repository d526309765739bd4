from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "reporting"
urlpatterns: list[URLPattern | URLResolver] = []
