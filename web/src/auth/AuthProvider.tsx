// Who is logged in, from the server's session (GET /api/auth/status): the session cookie
// is HttpOnly, so the server is the only one who knows.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ok, onSessionLost, type Schemas } from "../api/client";

export type User = Schemas["User"];

interface AuthState {
  user: User | null;
  loading: boolean;
  /** The last session ended on its own (expired, or closed elsewhere), not by logging out. */
  expired: boolean;
  login: (username: string, password: string) => Promise<User>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);
const STATUS_KEY = ["auth", "status"];

export function AuthProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [expired, setExpired] = useState(false);
  const status = useQuery({
    queryKey: STATUS_KEY,
    queryFn: () => ok(api.GET("/api/auth/status")),
    staleTime: Infinity,
    retry: false,
  });

  const forget = useCallback(() => {
    queries.setQueryData(STATUS_KEY, { authenticated: false });
    queries.removeQueries({ predicate: (q) => q.queryKey[0] !== "auth" && q.queryKey[0] !== "meta" });
  }, [queries]);

  useEffect(
    () =>
      onSessionLost(() => {
        setExpired(true);
        forget();
      }),
    [forget],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const { user } = await ok(api.POST("/api/auth/login", { body: { username, password } }));
      setExpired(false);
      queries.setQueryData(STATUS_KEY, { authenticated: true, user });
      return user;
    },
    [queries],
  );

  const logout = useCallback(async () => {
    await ok(api.POST("/api/auth/logout")).catch(() => undefined);
    setExpired(false);
    forget();
  }, [forget]);

  const value = useMemo<AuthState>(
    () => ({
      user: status.data?.authenticated ? (status.data.user ?? null) : null,
      loading: status.isPending,
      expired,
      login,
      logout,
    }),
    [status.data, status.isPending, expired, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
