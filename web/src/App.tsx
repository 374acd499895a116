import { BrowserRouter } from "react-router";
import { AuthProvider } from "./auth/AuthProvider";
import { Providers } from "./Providers";
import { AppRoutes } from "./routes";

export function App() {
  return (
    <Providers>
      <BrowserRouter>
        <AuthProvider>
          <AppRoutes />
        </AuthProvider>
      </BrowserRouter>
    </Providers>
  );
}
