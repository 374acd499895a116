// The app shell: header with the language switch and the user, a navigation that shows
// only what the role may open, and the page.
import { AppShell, Burger, Group, NavLink, Text, Title, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconCalendarEvent,
  IconCalendarMonth,
  IconCalendarPlus,
  IconCar,
  IconGauge,
  IconHistory,
  IconLogout,
  IconSettings,
  IconUserCircle,
  IconUsers,
  IconUsersGroup,
} from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { LanguageSwitch } from "./LanguageSwitch";

export function Layout() {
  const { t } = useTranslation();
  const { user, logout } = useAuth();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const links = [
    { to: "/", label: t("nav.dashboard"), icon: IconGauge, show: true },
    { to: "/reservations/new", label: t("nav.book"), icon: IconCalendarPlus, show: true },
    { to: "/calendar", label: t("nav.calendar"), icon: IconCalendarMonth, show: true },
    { to: "/cars", label: t("nav.cars"), icon: IconCar, show: true },
    { to: "/clients", label: t("nav.clients"), icon: IconUsers, show: true },
    { to: "/reservations", label: t("nav.reservations"), icon: IconCalendarEvent, show: true },
    { to: "/staff", label: t("nav.staff"), icon: IconUsersGroup, show: can(user?.role, "staff.manage") },
    { to: "/settings", label: t("nav.settings"), icon: IconSettings, show: can(user?.role, "settings.manage") },
    { to: "/audit", label: t("nav.audit"), icon: IconHistory, show: can(user?.role, "audit.read") },
    { to: "/account", label: t("nav.account"), icon: IconUserCircle, show: true },
  ];
  const onLogout = async () => {
    await logout();
    navigate("/login?loggedOut=1", { replace: true });
  };

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link">
        {t("app.skipToContent")}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("app.menu")} />
            <Title order={1} size="h3">
              {t("app.name")}
            </Title>
          </Group>
          <Group wrap="nowrap" gap="sm">
            <LanguageSwitch />
            <Text size="sm" visibleFrom="sm">
              {user?.fullName} · {user ? t(`roles.${user.role}`) : ""}
            </Text>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t("nav.main")}>
        {links
          .filter((l) => l.show)
          .map((l) => (
            <NavLink
              key={l.to}
              component={Link}
              to={l.to}
              label={l.label}
              leftSection={<l.icon size={18} aria-hidden />}
              active={isCurrent(location.pathname, l.to)}
              variant="filled"
              onClick={close}
            />
          ))}
        <NavLink
          component={UnstyledButton}
          label={t("nav.logout")}
          leftSection={<IconLogout size={18} aria-hidden />}
          onClick={() => void onLogout()}
        />
      </AppShell.Navbar>
      <AppShell.Main id="main">
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}

/** Whether a navigation link is the page shown: the home page only exactly, and a new booking is not the reservations list. */
export function isCurrent(path: string, link: string): boolean {
  if (link === "/") return path === "/";
  if (link === "/reservations") return path.startsWith(link) && !path.startsWith("/reservations/new");
  return path.startsWith(link);
}
