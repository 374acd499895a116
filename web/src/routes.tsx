// The app's pages. Everything but the login page needs a session; the staff pages need
// the admin role.
import { Center, Loader } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useAuth } from "./auth/AuthProvider";
import { can, type Action } from "./auth/permissions";
import { Layout } from "./components/Layout";
import { AccountPage } from "./pages/AccountPage";
import { AuditPage } from "./pages/audit/AuditPage";
import { BookingPage } from "./pages/booking/BookingPage";
import { CalendarPage } from "./pages/calendar/CalendarPage";
import { CarPage } from "./pages/cars/CarPage";
import { CarsPage } from "./pages/cars/CarsPage";
import { NewCarPage } from "./pages/cars/NewCarPage";
import { ClientPage } from "./pages/clients/ClientPage";
import { ClientsPage } from "./pages/clients/ClientsPage";
import { NewClientPage } from "./pages/clients/NewClientPage";
import { DashboardPage } from "./pages/dashboard/DashboardPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ReservationPage } from "./pages/reservations/ReservationPage";
import { ReservationsPage } from "./pages/reservations/ReservationsPage";
import { SettingsPage } from "./pages/settings/SettingsPage";
import { StaffPage } from "./pages/staff/StaffPage";

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<DashboardPage />} />
        <Route path="calendar" element={<CalendarPage />} />
        <Route path="cars" element={<CarsPage />} />
        <Route path="cars/new" element={<NewCarPage />} />
        <Route path="cars/:id" element={<CarPage />} />
        <Route path="clients" element={<ClientsPage />} />
        <Route path="clients/new" element={<NewClientPage />} />
        <Route path="clients/:id" element={<ClientPage />} />
        <Route path="reservations" element={<ReservationsPage />} />
        <Route path="reservations/new" element={<BookingPage />} />
        <Route path="reservations/:id" element={<ReservationPage />} />
        <Route
          path="staff"
          element={
            <RequireRole action="staff.manage">
              <StaffPage />
            </RequireRole>
          }
        />
        <Route
          path="audit"
          element={
            <RequireRole action="audit.read">
              <AuditPage />
            </RequireRole>
          }
        />
        <Route
          path="settings"
          element={
            <RequireRole action="settings.manage">
              <SettingsPage />
            </RequireRole>
          }
        />
        <Route path="account" element={<AccountPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** Sends a visitor without a session to the login page, which brings them back here. */
function RequireSession({ children }: { children: ReactNode }) {
  const { user, loading } = useAuth();
  const location = useLocation();
  const { t } = useTranslation();
  if (loading) {
    return (
      <Center h="100vh" aria-label={t("common.loading")}>
        <Loader />
      </Center>
    );
  }
  if (!user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <>{children}</>;
}

function RequireRole({ action, children }: { action: Action; children: ReactNode }) {
  const { user } = useAuth();
  return can(user?.role, action) ? <>{children}</> : <NotFoundPage />;
}
