"""Base classes and the token endpoint shared by every context's API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import serializers, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from orbit.core.api.schema import BAD_REQUEST, error_doc
from orbit.core.errors import NotFound

#: Token first, so that a request without credentials gets 401 with ``WWW-Authenticate: Token``.
API_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]

#: The longest primary key a path may carry: anything longer could overflow a database integer.
MAX_ID_DIGITS = 18


class OrbitViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A view set whose reads go through selectors and whose writes go through services."""

    authentication_classes = API_AUTHENTICATION

    def object_id(self) -> int:
        """The primary key in the path; anything but a plain number in range is simply not found."""
        value = str(self.kwargs.get("pk", ""))
        if not (value.isascii() and value.isdigit()) or len(value) > MAX_ID_DIGITS:
            raise NotFound("Not found.")
        return int(value)

    def context(self) -> dict[str, Any]:
        return self.get_serializer_context()

    def query(self, params_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        """The query string, validated by ``params_class`` (400 for bad parameters)."""
        params = params_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def page_of(self, items: Any, serializer_class: type[serializers.Serializer[Any]] | None = None) -> Response:
        """One page of ``items`` as ``serializer_class`` (by default the view's) shows them."""
        page = self.paginate_queryset(items)
        shown = (serializer_class or self.get_serializer_class())(page, many=True, context=self.context())
        return self.get_paginated_response(shown.data)


class TokenRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)


class TokenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>".')


class TokenThrottle(AnonRateThrottle):
    """Slows down password guessing against the token endpoint."""

    scope = "token"
    rate = "30/minute"


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (the same token on every call)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: BAD_REQUEST, 429: error_doc("Too many attempts; wait a minute.")},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        # The token is a credential, not a business record: it is not versioned or audited.
        token, _ = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response({"token": token.key})


class DocsView(SpectacularSwaggerView):
    """Swagger UI with every asset from ``/static/`` and the online spec validator switched off,
    so that opening the docs never contacts another server."""

    def _dump(self, data: Any) -> str:
        return str(
            super()._dump(  # type: ignore[no-untyped-call]
                {**(data or {}), "validatorUrl": None}
            )
        )
