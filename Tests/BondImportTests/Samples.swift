/// Inputs of each kind, as users have them: the Debian seed's Xen host (bond1 built by
/// pre-up ifenslave lines, VLANs and a bridge over them), ifenslave's keys, Red Hat's and
/// SUSE's ifcfg files, netplan, and a kernel bond as `ip -d link` prints it.
enum Samples {
    static let debianSeed = """
        auto lo
        iface lo inet loopback

        iface bond1 inet manual
               pre-up /sbin/ifconfig eth0 up
               pre-up /sbin/ifconfig bond1 up
               pre-up /sbin/ifenslave bond1 eth0
               pre-up /sbin/ifenslave bond1 eth3
               post-down /sbin/ifenslave -d bond1 eth3
               post-down /sbin/ifconfig bond1 down

        # vlan 3 = LAN
        iface vlan3 inet manual
                vlan-raw-device bond1
                pre-up /sbin/ifup bond1
                pre-up /sbin/modprobe 8021q

        iface vlan2 inet manual
                vlan-raw-device bond1

        auto xenbrlan
        iface xenbrlan inet dhcp
                pre-up /usr/sbin/brctl addbr xenbrlan
                pre-up /usr/sbin/brctl addif xenbrlan vlan3
        """

    static let modprobe = """
        alias bond0 bonding
        options bond0 mode=802.3ad miimon=100 use_carrier=0 lacp_rate=fast max_bonds=2
        """

    static let ifenslave = """
        auto bond0
        iface bond0 inet static
            address 192.0.2.10
            netmask 255.255.255.0
            gateway 192.0.2.1
            bond-slaves none
            bond-mode 1
            bond-miimon 100
            bond-primary eth1 eth2
            bond-arp-ip-target 192.0.2.1 192.0.2.2

        iface eth1 inet manual
            bond-master bond0
        iface eth2 inet manual
            bond-master bond0
            bond-queue-id 2
        """

    static let redHat = [
        (
            "ifcfg-bond0",
            "DEVICE=bond0\nTYPE=Bond\nBONDING_MASTER=yes\nBOOTPROTO=none\nIPADDR=192.0.2.20\nPREFIX=24\nMTU=9000\nBONDING_OPTS=\"mode=4 miimon=100 lacp_rate=1 xmit_hash_policy=layer3+4\"\n"
        ),
        ("ifcfg-eth0", "DEVICE=eth0\nMASTER=bond0\nSLAVE=yes\n"),
        ("ifcfg-eth1", "DEVICE=eth1\nMASTER=bond0\nSLAVE=yes\n"),
        ("ifcfg-bond0.10", "DEVICE=bond0.10\nVLAN=yes\nIPADDR=10.0.10.1\nPREFIX=24\n"),
    ]

    static let suse = """
        BOOTPROTO='static'
        STARTMODE='auto'
        IPADDR='192.0.2.30/24'
        BONDING_MASTER='yes'
        BONDING_MODULE_OPTS='mode=balance-alb miimon=100 arp_ip_target=+192.0.2.1'
        BONDING_SLAVE0='eth2'
        BONDING_SLAVE_1='eth3'
        ETHTOOL_OPTIONS=''
        DHCLIENT_SET_HOSTNAME='no'
        """

    static let netplan = """
        network:
          version: 2
          ethernets:
            eno1: {}
            lan2:
              match: {macaddress: "52:54:00:00:00:02"}
              set-name: eno2
          bonds:
            bond0:
              interfaces: [eno1, lan2]
              addresses: [192.0.2.40/24, "2001:db8::40/64"]
              routes:
                - to: default
                  via: 192.0.2.1
              parameters:
                mode: active-backup
                mii-monitor-interval: 100ms
                up-delay: 1s
                primary: lan2
                gratuitous-arp: 3
          vlans:
            vlan20: {id: 20, link: bond0}
          bridges:
            br0:
              interfaces: [bond0]
        """

    static let ipLink = """
        2: eth0: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 9000 qdisc mq master bond1 state UP mode DEFAULT group default qlen 1000
            link/ether ac:1f:6b:9e:d8:44 brd ff:ff:ff:ff:ff:ff promiscuity 0 allmulti 0 minmtu 68 maxmtu 9216
            bond_slave state ACTIVE mii_status UP link_failure_count 0 perm_hwaddr ac:1f:6b:9e:d8:44 queue_id 0 prio 10 ad_aggregator_id 1 addrgenmode none numtxqueues 8
        3: eth1: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 9000 qdisc mq master bond1 state UP mode DEFAULT group default qlen 1000
            link/ether ac:1f:6b:9e:d8:44 brd ff:ff:ff:ff:ff:ff permaddr ac:1f:6b:9e:d8:45 promiscuity 0
            bond_slave state ACTIVE mii_status UP link_failure_count 0 perm_hwaddr ac:1f:6b:9e:d8:45 queue_id 0 prio 0 addrgenmode none
        11: bond1: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 9000 qdisc noqueue master xenbr1 state UP mode DEFAULT group default qlen 1000
            link/ether ac:1f:6b:9e:d8:44 brd ff:ff:ff:ff:ff:ff promiscuity 1 allmulti 0 minmtu 68 maxmtu 65535
            bond mode 802.3ad miimon 100 updelay 0 downdelay 0 peer_notify_delay 0 use_carrier 1 arp_interval 0 arp_missed_max 2 arp_validate none arp_all_targets any primary_reselect always fail_over_mac none xmit_hash_policy layer3+4 resend_igmp 1 num_grat_arp 1 all_slaves_active 0 min_links 1 lp_interval 1 packets_per_slave 1 lacp_active on lacp_rate fast coupled_control on ad_select stable ad_aggregator 1 ad_num_ports 2 ad_actor_key 21 ad_partner_key 17 ad_partner_mac 44:39:39:ff:40:09 ad_actor_sys_prio 65535 ad_user_port_key 0 ad_actor_system 00:00:00:00:00:00 tlb_dynamic_lb 1
            bridge_slave state forwarding priority 32 cost 100 hairpin off addrgenmode eui64 numtxqueues 16
            inet 192.0.2.60/24 brd 192.0.2.255 scope global bond1
               valid_lft forever preferred_lft forever
            inet6 fe80::ae1f:6bff:fe9e:d844/64 scope link
               valid_lft forever preferred_lft forever
        12: vlan3@bond1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP mode DEFAULT group default qlen 1000
            link/ether ac:1f:6b:9e:d8:44 brd ff:ff:ff:ff:ff:ff promiscuity 0
            vlan protocol 802.1Q id 3 <REORDER_HDR> addrgenmode eui64 numtxqueues 1 numrxqueues 1
        """

    static let ipJSON = """
        [{"ifindex":2,"ifname":"eth0","mtu":1500,"master":"bond0","linkinfo":{"info_slave_kind":"bond","info_slave_data":{"state":"ACTIVE","queue_id":0,"prio":0}},"addr_info":[]},
         {"ifindex":3,"ifname":"eth1","mtu":1500,"master":"bond0","linkinfo":{"info_slave_kind":"bond","info_slave_data":{"state":"BACKUP","queue_id":2}},"addr_info":[]},
         {"ifindex":4,"ifname":"bond0","mtu":1500,"linkinfo":{"info_kind":"bond","info_data":{"mode":"active-backup","active_slave":"eth0","miimon":100,"updelay":200,"downdelay":0,"use_carrier":1,"arp_interval":0,"arp_validate":null,"arp_all_targets":"any","primary":"eth0","primary_reselect":"better","fail_over_mac":"none","xmit_hash_policy":"layer2","resend_igmp":1,"num_peer_notif":3,"all_slaves_active":0,"min_links":0,"lp_interval":1,"packets_per_slave":1,"ad_lacp_active":"on","ad_lacp_rate":"slow","ad_select":"stable","tlb_dynamic_lb":1,"coupled_control":true}},
          "addr_info":[{"family":"inet","local":"192.0.2.50","prefixlen":24,"scope":"global"},{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]
        """
}
