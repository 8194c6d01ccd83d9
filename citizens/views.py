"""The citizen's account pages, mounted at /account/."""

from django.http import HttpResponse


def login(request):  # replaced by the real sign-in page in the next commit
    return HttpResponse("")
